"""Challenges (质疑) and complaints (投诉): filing, acceptance, suspension, signed decisions."""
