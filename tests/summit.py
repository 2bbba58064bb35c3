"""Slugs of the seed commitments and meetings that tests name, defined once."""

YEN = "japanese-private-investment-10-trillion-yen"
CHANDRAYAAN = "chandrayaan-5-lunar-polar-exploration"
EXCHANGE = "human-resource-exchange-500000"
WORKERS = "skilled-indian-workers-50000"
JBIC_LOAN = "jbic-loan-assam-bamboo-bioethanol"
TAKAICHI_ITEM = "nsa-level-dialogue"  # a commitment only article 001 reports
LATER_MEETING = "modi-takaichi-meeting"
