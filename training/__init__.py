"""Training side of clausewise: label data, segmentation of the seeds, training, evaluation, retraining."""
