"""The member register. The top level is the register's core (models, services,
validators, crypto, admin, tasks, documents); each area has its own folder: `minside`
(the member's own pages), `register` (the staff register), `stats` (statistics),
`joining` (applications, rejoin, resignation and changes that take effect), `dues`
(rates, deduction lists, OCR giro and AvtaleGiro, invoices, arrears, the tax report),
`messaging` (e-mail, SMS and letters to segments), `admin` (Django admin) and `demo`
(demo data). The README's Architecture section says where each rule lives."""
