"""One module per CLI command beyond validate/generate; each defines a click command and imports its
library (and anything heavy) inside the command function, so `rocm-vllm --help` stays fast."""
