"""Reports for people: ``tracker show`` (show) and ``tracker diff`` (diff), as text, JSON and HTML."""
