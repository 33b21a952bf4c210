"""Attention demos: naive reference, MHA/GQA/MQA decode, MLA, demo D7."""
