from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bangfu.projects"
    label = "projects"
    verbose_name = "项目帮扶"

    def ready(self) -> None:
        from bangfu.audit.services import register_key_labels

        # What project aid's services write in the audit log beside the fields of its rows.
        register_key_labels(
            {
                "items": "户数",
                "not_eligible": "复核不符合条件户数",
                "delivered": "已发放户数",
                "undelivered": "未发放户数",
                "money": "资金金额",
                "transaction": "记账凭证",
                "pool": "可抽取条数",
                "pool_ranges": "抽取范围（明细编号）",
                "drawn": "抽取条数",
                "missing": "缺少实际值的指标",
                "enrolled": "纳入户数",
                "refused": "未纳入户数（按原因）",
                "day": "日期",
                "target": "帮扶对象条件",
                "unit_value": "每户标准",
                "aid_kind": "帮扶方式",
                "item": "物品或服务内容",
            }
        )
