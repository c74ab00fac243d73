"""The durable executor: runs a plan step by step, records each step, and resumes after a crash."""
