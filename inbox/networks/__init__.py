"""Network adapters: one module per network behind the protocol in networks.base."""
