"""releasegate's built-in semgrep rule pack (installed as releasegate.rulepack)."""
