"""The Textual UI. Imports `console`; `console` never imports this package."""
