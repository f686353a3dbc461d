"""bpstep: a command-line tutor that shows one training step of backpropagation, stage by stage."""

__version__ = "0.1.0"
