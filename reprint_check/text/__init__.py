"""Text as the comparison sees it: normalised, fingerprinted, prepared, aligned."""
