"""What one turn is made of, below both the engine and the node types: the events a node
emits, its runtime state and providers, the trace, sentence chunking, the session's voice
actions. The node types build on it and the engine compiles them: neither imports back."""
