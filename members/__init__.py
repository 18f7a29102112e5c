"""The member register. The top level is the register's core (models, services,
validators, crypto, admin, tasks, documents); each area has its own folder: `minside`
(the member's own pages), `register` (the staff register), `stats` (statistics) and
`demo` (demo data). The README's Architecture section says where each rule lives."""
