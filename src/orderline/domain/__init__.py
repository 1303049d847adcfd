"""Pure domain: vocabulary, facts, order state and its fold. Standard library only."""
