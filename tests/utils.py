"""Helpers shared by the tests: toy data, the repository root, a tiny training config."""

from __future__ import annotations

from pathlib import Path

from training.config import TrainConfig
from training.data import LabelRecord

ROOT = Path(__file__).resolve().parents[1]
SEED_DOCS = ROOT / "labels" / "seeds" / "docs"
BODY_TIMEOUT_S = 3  # the test server's body deadline (the default is 30 s), so the slow-client test is quick

TOY_TEXTS = {
    "cookies_tracking": [
        "We use cookies to remember your login.",
        "Cookies and web beacons help us measure traffic.",
        "You can block cookies in your browser settings.",
        "Pixel tags in our emails tell us when you open them.",
    ],
    "contact": [
        "Write to our privacy officer at privacy@example.com.",
        "Call our hotline on 400-123-456 with any questions.",
        "Contact the service centre if you have a complaint.",
        "You can reach us by post at 1 Main Street.",
    ],
    "children": [
        "Children under 13 may not create an account.",
        "Minors need the consent of a parent or guardian.",
        "We do not knowingly collect data from children.",
        "Parents may ask us to delete their child's information.",
    ],
}


def toy_records(docs: int = 3) -> list[LabelRecord]:
    """A trivially separable three-label set spread over `docs` documents, plus one chrome clause each."""
    out: list[LabelRecord] = []
    for d in range(docs):
        for label, texts in TOY_TEXTS.items():
            for k, text in enumerate(texts):
                out.append(LabelRecord(f"{d}-{label}-{k}", f"doc{d}", f"{text} (doc {d})", (label,)))
        out.append(LabelRecord(f"{d}-chrome", f"doc{d}", f"Home | Cart | Help {d}", ()))
    return out


def tiny_config(tiny_base: Path, **kw) -> TrainConfig:
    """Two quick epochs of the tiny random BERT."""
    return TrainConfig(base_model=str(tiny_base), epochs=2, batch_size=8, **kw)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ls_task(tid, text, *annotations):
    return {
        "id": tid,
        "data": {"text": text},
        "annotations": [
            {
                "id": k,
                "was_cancelled": cancelled,
                "result": [{"type": "choices", "from_name": "topic", "to_name": "text", "value": {"choices": choices}}],
            }
            for k, (choices, cancelled) in enumerate(annotations)
        ],
    }


# A short policy written for the tests in Chinese (our own text, a fictional shop): the model reads
# English only, so the service must say so.
CHINESE_POLICY = """隐私政策
一、我们收集的信息
当您注册账户时，我们会收集您的姓名、手机号码和收货地址。
当您下单时，我们会记录您的订单信息和支付方式。
二、我们如何使用信息
我们使用这些信息来处理订单、配送商品并提供客户服务。
三、Cookie
我们使用Cookie来记住您的登录状态并统计网站访问量。您可以在浏览器设置中拒绝Cookie。
四、联系我们
如对本政策有任何疑问，请发送邮件至 privacy@example.com 与我们联系。
"""
