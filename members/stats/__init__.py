"""Statistics (/statistikk/): the dashboard for central staff and branch officers, its
queries, sections and charts, and the nightly snapshot tables it reads."""
