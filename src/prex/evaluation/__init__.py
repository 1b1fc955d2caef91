"""The evaluation context: evaluation methods as rule-pack data and their exact arithmetic."""
