"""bangfu — 市民综合帮扶信息化平台, the information platform of Shanghai's citizen comprehensive assistance programme."""
