"""Building blocks shared by every feature: audit trail, access rules, workflows, files, i18n."""
