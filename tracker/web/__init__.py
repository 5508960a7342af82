"""tracker in Datasette: the plugin's hooks (plugin), its pages (views), their pictures and templates."""
