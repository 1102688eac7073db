"""年报助手: the report core (format, model, validation, import) and its channels."""
