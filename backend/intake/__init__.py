"""Intake: what patients send (answers, readings, messages) and its evaluation."""
