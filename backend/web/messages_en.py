"""English text of the web pages, keyed by their French text (see i18n._)."""

EN = {
}
