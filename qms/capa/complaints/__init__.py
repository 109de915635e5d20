"""Public complaints (Qlue, SP4N-LAPOR!, the counter) as feedback records (ISO 9001 8.2.1,
9.1.2): reading the channels' exports (`parsing`), the two-step import that holds a file
until its uploader confirms the report (`imports`), the rules that escalate complaints to
nonconformities (`escalation`, 10.2), and what the pages and the API list (`queries`)."""
