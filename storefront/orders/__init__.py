"""Orders: what a buyer bought, with every figure that decides money snapshotted at sale."""
