"""Disaster-recovery operations over any inventory: the operational state, what each action
would do, and what makes it unsafe. The commands (`egovinfra dr ...`) run the playbooks."""
