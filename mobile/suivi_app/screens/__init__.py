"""One module and one .kv file per screen; the screens only show what the core returns."""
