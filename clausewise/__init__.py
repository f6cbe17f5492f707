"""Code shared by training and serving: taxonomy, segmentation and the clause classifier."""
