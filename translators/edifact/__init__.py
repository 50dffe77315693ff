"""UN/EDIFACT (syntax 3 and 4; D96A and D01B ORDERS, ORDRSP, DESADV; CONTRL):
streaming reader, envelope and message validation, CONTRL, mappings, writer."""
