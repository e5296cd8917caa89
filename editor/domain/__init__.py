"""Pure domain of Penholder: bodies, document model, scenarios; standard library only."""
