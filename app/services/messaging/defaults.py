"""The default message templates (Chinese), loaded by the demo seed and `flask messages templates-load`.

Provider template ids here are placeholders: replace them with the ids the SMS provider and
WeChat approved (in the admin panel) before MESSAGING_MODE=live. SMS bodies name their variables;
the provider's template numbers them {1}, {2} ... in the same order.
"""

from __future__ import annotations

from app.models.messaging import MessageChannel, MessageFormat

DEFAULT_TEMPLATES: tuple[dict, ...] = (
    dict(code="policy_expiry_sms", channel=MessageChannel.sms, name="保单到期提醒(短信)",
         provider_template_id="1000001",
         body="尊敬的{name},您的车辆{plate}的{line}将于{end_date}到期,请及时续保。如需帮助请联系{agent}。回复TD退订",
         sample_variables={"name": "张先生", "plate": "冀A12345", "line": "商业险", "end_date": "2026年3月1日",
                           "agent": "李经理"}),
    dict(code="policy_expiry_wechat", channel=MessageChannel.wechat_subscribe, name="保单到期提醒(订阅消息)",
         provider_template_id="TPL-POLICY-EXPIRY", page="pages/policy/index",
         body="car_number1: {plate}\nthing2: {line}即将到期\ndate3: {end_date}\nthing4: 请及时续保,以免脱保",
         sample_variables={"plate": "冀A12345", "line": "商业险", "end_date": "2026年3月1日"}),
    dict(code="birthday_sms", channel=MessageChannel.sms, name="生日祝福(短信)", provider_template_id="1000002",
         body="亲爱的{name},保运祝您生日快乐,平安顺遂,出行无忧!回复TD退订",
         sample_variables={"name": "张先生"}),
    dict(code="holiday_sms", channel=MessageChannel.sms, name="节日问候(短信)", provider_template_id="1000003",
         body="{holiday}将至,保运祝您和家人节日快乐,出行平安!回复TD退订",
         sample_variables={"holiday": "中秋节"}),
    dict(code="bad_weather_sms", channel=MessageChannel.sms, name="恶劣天气预警(短信)", provider_template_id="1000004",
         body="【天气预警】{area}{when}预计有{weather},请将爱车停放在安全地带,谨慎驾驶。出险请拨打{hotline}。回复TD退订",
         sample_variables={"area": "石家庄市", "when": "明天", "weather": "暴雨", "hotline": "95500"}),
    dict(code="claim_progress_wechat", channel=MessageChannel.wechat_subscribe, name="理赔进度通知(订阅消息)",
         provider_template_id="TPL-CLAIM-PROGRESS", page="pages/claim/detail",
         body="character_string1: {claim_number}\nphrase2: {stage}\ntime3: {at}\nthing4: {note}",
         sample_variables={"claim_number": "CL20260301001", "stage": "已结案", "at": "2026年3月1日 15:01",
                           "note": "赔款已支付,请注意查收"}),
    dict(code="sms_login_code", channel=MessageChannel.sms, name="登录验证码(短信)", provider_template_id="1000005",
         urgent=True, body="您的登录验证码为{code},{minutes}分钟内有效。如非本人操作,请忽略本短信。",
         sample_variables={"code": "482913", "minutes": "5"}),
    # Mini-program (issue 4): a customer asked for a renewal quote; their VIP tier changed.
    dict(code="renewal_quote_request_wecom", channel=MessageChannel.wecom_app, name="续保报价申请(企业微信)",
         msg_format=MessageFormat.markdown,
         body="**续保报价申请**\n{agent},客户 {customer} 在小程序申请续保报价:\n> 车辆:{plate}\n"
              "> 险种:{line},{end_date} 到期\n> 方便联系时间:{contact_time}\n> 留言:{note}\n请尽快联系客户。",
         sample_variables={"agent": "李经理", "customer": "张先生", "plate": "冀A12345", "line": "商业险",
                           "end_date": "2026年3月1日", "contact_time": "工作日晚上", "note": "想加保划痕险"}),
    dict(code="tier_change_wechat", channel=MessageChannel.wechat_subscribe, name="会员等级变更(订阅消息)",
         provider_template_id="TPL-TIER-CHANGE", page="pages/tier/index",
         body="phrase1: {tier}\nthing2: {note}\ndate3: {changed_on}",
         sample_variables={"tier": "黄金会员", "note": "会员等级已更新,点击查看专属权益", "changed_on": "2026年3月1日"}),
    dict(code="renewal_task_wecom", channel=MessageChannel.wecom_app, name="续保任务提醒(企业微信)",
         msg_format=MessageFormat.markdown,
         body="**续保任务提醒**\n{name},您有 {count} 条续保任务将在 {days} 天内到期,今日新增 {new_count} 条。\n"
              "> 请在企业微信工作台「续保任务」中跟进。",
         sample_variables={"name": "李经理", "count": "12", "days": "30", "new_count": "3"}),
    dict(code="announcement_wecom", channel=MessageChannel.wecom_app, name="公告推送(企业微信)",
         msg_format=MessageFormat.markdown,
         body="**公告:{title}**\n{summary}\n> 发布:{author}\n\n[查看全文]({url})",
         sample_variables={"title": "关于2026年车险综合改革的通知", "summary": "各支公司:自3月1日起……",
                           "author": "张经理", "url": "https://ops.example.com/staff/announcements/1"}),
    dict(code="daily_digest_robot", channel=MessageChannel.wecom_robot, name="经营日报(群机器人)",
         msg_format=MessageFormat.markdown, body="### {title}\n> 统计截至 {cutoff}\n\n{content}",
         sample_variables={"title": "保运经营日报", "cutoff": "2026年3月1日",
                           "content": "- 签单保费:<font color=\"info\">1,234,567.00</font> 元\n- 续保率:82.5%"}),
)
