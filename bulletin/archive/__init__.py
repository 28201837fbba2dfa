"""The archive, the set of issues: numbering, build manifest, catalog, annual volume, published
editions and what differs between two of them, the print run and its register, and import of
back issues made in Word."""
