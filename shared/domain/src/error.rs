//! The error catalogue: every failure a user can see, with a category, a cause and a fix in
//! Chinese and English, and what the caller does next.

use serde::{Deserialize, Serialize};

/// What the admin sees as the kind of error (the vendor guide's four, plus operational ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// API 权限错误: the authorized user cannot reach an object or a field.
    ApiPermission,
    /// 映射错误: a mapped field was deleted/disabled, or a mapping is invalid.
    Mapping,
    /// 数值错误: value too long, required value missing, invalid picklist value.
    Value,
    /// 关联错误: lead's account missing or conflicting between the systems.
    Association,
    /// API quota spent (ours or the org's).
    Quota,
    /// Authorization lost: re-authorize the app.
    Auth,
    /// Temporary failure of a remote system; retried automatically.
    Transient,
    /// A safety stop (circuit breaker, org changed) that an admin must lift.
    Safety,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Self::ApiPermission,
        Self::Mapping,
        Self::Value,
        Self::Association,
        Self::Quota,
        Self::Auth,
        Self::Transient,
        Self::Safety,
    ];
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::ApiPermission, Lang::Zh) => "API 权限错误",
            (Self::ApiPermission, Lang::En) => "API permission error",
            (Self::Mapping, Lang::Zh) => "映射错误",
            (Self::Mapping, Lang::En) => "Mapping error",
            (Self::Value, Lang::Zh) => "数值错误",
            (Self::Value, Lang::En) => "Value error",
            (Self::Association, Lang::Zh) => "关联错误",
            (Self::Association, Lang::En) => "Association error",
            (Self::Quota, Lang::Zh) => "API 额度用尽",
            (Self::Quota, Lang::En) => "API quota exhausted",
            (Self::Auth, Lang::Zh) => "授权失效",
            (Self::Auth, Lang::En) => "Authorization lost",
            (Self::Transient, Lang::Zh) => "临时故障",
            (Self::Transient, Lang::En) => "Temporary failure",
            (Self::Safety, Lang::Zh) => "安全保护暂停",
            (Self::Safety, Lang::En) => "Safety pause",
        }
    }
}

/// Display language of causes and fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// What the caller does next with a failed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Try again later with backoff (visibility timeout, jitter).
    Retry,
    /// Keep the change aside until a budget resets or an admin resumes; never drop it.
    Park,
    /// Stop the app until an admin re-authorizes.
    Reauthorize,
    /// Record an error the admin fixes; retrying without a fix will fail the same way.
    Record,
}

macro_rules! catalogue {
    ($( $code:ident => $cat:ident, $next:ident,
        cause_en: $ce:literal, cause_zh: $cz:literal, fix_en: $fe:literal, fix_zh: $fz:literal; )*) => {
        /// Every error the connector reports. Texts may contain `{field}`, `{object}`, `{detail}`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum ErrorCode { $($code,)* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code,)*];
            pub fn entry(self) -> Entry {
                match self {
                    $(ErrorCode::$code => Entry {
                        category: Category::$cat,
                        next: NextStep::$next,
                        cause_en: $ce, cause_zh: $cz, fix_en: $fe, fix_zh: $fz,
                    },)*
                }
            }
        }
    };
}

/// One catalogue row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub category: Category,
    pub next: NextStep,
    pub cause_en: &'static str,
    pub cause_zh: &'static str,
    pub fix_en: &'static str,
    pub fix_zh: &'static str,
}

catalogue! {
    ApiDisabled => ApiPermission, Reauthorize,
        cause_en: "The authorized Salesforce user does not have the \"API Enabled\" permission.",
        cause_zh: "授权的 Salesforce 用户没有 \"API Enabled\" 权限。",
        fix_en: "In Salesforce Setup, give the user's profile or a permission set \"API Enabled\", then re-authorize the app.",
        fix_zh: "在 Salesforce 设置中为该用户的简档或权限集勾选 \"API Enabled\"，然后重新授权应用。";
    ObjectNotAccessible => ApiPermission, Record,
        cause_en: "The authorized Salesforce user cannot {detail} {object} records.",
        cause_zh: "授权的 Salesforce 用户没有 {object} 对象的{detail}权限。",
        fix_en: "Grant the user {detail} access on {object} (profile or permission set), then retry the failed records.",
        fix_zh: "在简档或权限集中为该用户授予 {object} 的{detail}权限，然后重试失败的记录。";
    FieldNotAccessible => ApiPermission, Record,
        cause_en: "Field {object}.{field} is not visible or not editable for the authorized Salesforce user.",
        cause_zh: "字段 {object}.{field} 对授权的 Salesforce 用户不可见或不可编辑。",
        fix_en: "Grant field-level security (read and edit) on {object}.{field} to the user, or remove the field from the mapping.",
        fix_zh: "为该用户开放 {object}.{field} 的字段级安全性（读取和编辑），或从字段映射中移除该字段。";
    JingPermissionDenied => ApiPermission, Record,
        cause_en: "The JING app is not allowed to call this interface: {detail}.",
        cause_zh: "JING 应用没有调用该接口的权限：{detail}。",
        fix_en: "Ask the JING administrator to grant the interface permission to this app, then retry.",
        fix_zh: "请 JING 管理员为该应用开通对应的接口权限，然后重试。";
    MappedFieldMissing => Mapping, Record,
        cause_en: "Mapped field {field} no longer exists or is disabled on {object}.",
        cause_zh: "映射的字段 {field} 在 {object} 上已被删除或停用。",
        fix_en: "Restore the field, or re-map it in the field mapping and save.",
        fix_zh: "恢复该字段，或在字段映射中重新选择字段后保存。";
    MappingTypeMismatch => Mapping, Record,
        cause_en: "Field {field} cannot be mapped: {detail}.",
        cause_zh: "字段 {field} 无法映射：{detail}。",
        fix_en: "Map option fields only to option fields (single to single, multi to multi) and pick a field of a compatible type.",
        fix_zh: "选项字段只能映射到选项字段（单选对单选、多选对多选），请选择类型兼容的字段。";
    MappingTextNarrowing => Mapping, Record,
        cause_en: "Field {field} is longer on the source side than the target allows ({detail}); long values will be refused.",
        cause_zh: "字段 {field} 源端长度大于目标端允许的长度（{detail}），过长的值会被拒绝。",
        fix_en: "Map to a longer target field, or accept that longer values fail as value errors.",
        fix_zh: "映射到更长的目标字段，或接受过长的值作为数值错误失败。";
    RequiredFieldUnmapped => Mapping, Record,
        cause_en: "Field {field}, required when creating {object}, is not mapped.",
        cause_zh: "创建 {object} 时必填的字段 {field} 没有映射。",
        fix_en: "Map a field to {field} before saving, or turn off record creation in this direction.",
        fix_zh: "保存前先为 {field} 配置映射，或关闭该方向的新建同步。";
    ControllingFieldUnmapped => Mapping, Record,
        cause_en: "Dependent picklist {field} is mapped but its controlling field {detail} is not.",
        cause_zh: "依赖选项列表 {field} 已映射，但其控制字段 {detail} 未映射。",
        fix_en: "Map the controlling field {detail} as well (Salesforce field dependency).",
        fix_zh: "同时映射控制字段 {detail}（Salesforce 字段依赖关系）。";
    PinnedMappingChanged => Mapping, Record,
        cause_en: "Default mapping {field} cannot be re-pointed or removed.",
        cause_zh: "默认映射 {field} 不能修改对应字段或删除。",
        fix_en: "Keep the default mapping; you may change its field rule only.",
        fix_zh: "保留默认映射，只能修改其字段规则。";
    DuplicateTarget => Mapping, Record,
        cause_en: "Field {field} is the target of more than one mapping.",
        cause_zh: "字段 {field} 被多个映射同时作为目标。",
        fix_en: "Keep one mapping per target field.",
        fix_zh: "每个目标字段只保留一个映射。";
    ValueTooLong => Value, Record,
        cause_en: "The value of {field} is too long ({detail}).",
        cause_zh: "字段 {field} 的值过长（{detail}）。",
        fix_en: "Shorten the value in the source record, or map to a longer field, then retry.",
        fix_zh: "缩短源记录中的值，或映射到更长的字段，然后重试。";
    RequiredValueMissing => Value, Record,
        cause_en: "Required field {field} has no value.",
        cause_zh: "必填字段 {field} 没有值。",
        fix_en: "Fill in {field} in the source record, then retry.",
        fix_zh: "在源记录中填写 {field}，然后重试。";
    InvalidPicklistValue => Value, Record,
        cause_en: "{detail} is not an allowed value of picklist {field}.",
        cause_zh: "{detail} 不是选项字段 {field} 的有效值。",
        fix_en: "Add the value to the picklist, or map it to an existing value in the option mapping, then retry.",
        fix_zh: "在选项列表中添加该值，或在选项映射中对应到已有的值，然后重试。";
    InvalidDependentValue => Value, Record,
        cause_en: "{detail} is not valid for {field} given its controlling field's value.",
        cause_zh: "在当前控制字段取值下，{detail} 不是字段 {field} 的有效值。",
        fix_en: "Pick a value allowed by the field dependency, or change the controlling field, then retry.",
        fix_zh: "选择字段依赖关系允许的值，或修改控制字段，然后重试。";
    InvalidEmail => Value, Record,
        cause_en: "The e-mail address in {field} is not valid.",
        cause_zh: "字段 {field} 中的邮箱地址格式不正确。",
        fix_en: "Correct the e-mail address in the source record, then retry.",
        fix_zh: "修正源记录中的邮箱地址，然后重试。";
    InvalidValue => Value, Record,
        cause_en: "The target system refused a value: {detail}.",
        cause_zh: "目标系统拒绝了一个值：{detail}。",
        fix_en: "Correct the value (or the validation rule that refuses it), then retry.",
        fix_zh: "修正该值（或拒绝它的校验规则），然后重试。";
    AccountNotFound => Association, Record,
        cause_en: "The lead's account was not found in Salesforce.",
        cause_zh: "线索关联的客户在 Salesforce 中不存在。",
        fix_en: "Sync the account first (turn on account sync) or correct the lead's account, then retry.",
        fix_zh: "先同步该客户（开启客户同步）或修正线索的客户，然后重试。";
    AccountConflict => Association, Record,
        cause_en: "The lead is linked to different accounts in JING and Salesforce.",
        cause_zh: "该线索在 JING 和 Salesforce 中关联的客户不一致。",
        fix_en: "Make the lead point to the same account in both systems, then retry.",
        fix_zh: "使线索在两个系统中关联同一个客户，然后重试。";
    DuplicateBoundElsewhere => Association, Record,
        cause_en: "The target's duplicate rules matched {detail}, which is already bound to another record; it was not overwritten.",
        cause_zh: "目标系统的查重规则匹配到 {detail}，但它已与另一条记录绑定，因此未被覆盖。",
        fix_en: "Merge the duplicates in the target system, or correct the matching value (company name, e-mail, mobile) in the source record, then retry.",
        fix_zh: "请在目标系统中合并重复记录，或修正源记录中用于查重的值（公司名称、邮箱、手机），然后重试。";
    DuplicateRuleMatched => Association, Record,
        cause_en: "A Salesforce duplicate rule matched an existing record and refused the create ({detail}).",
        cause_zh: "Salesforce 查重规则匹配到已有记录，拒绝了新建（{detail}）。",
        fix_en: "Usually nothing: the record is written again, bound to the existing one and updated. If it keeps failing, merge the duplicates in Salesforce, then retry.",
        fix_zh: "通常无需处理：该记录会重新写入，与已有记录绑定并更新。若持续失败，请在 Salesforce 中合并重复记录后重试。";
    BadReference => Association, Record,
        cause_en: "A referenced record does not exist or is not accessible: {detail}.",
        cause_zh: "引用的记录不存在或无权访问：{detail}。",
        fix_en: "Check the owner/lookup value (member binding, account), then retry.",
        fix_zh: "检查负责人或查找字段（成员绑定、客户），然后重试。";
    ConvertedLead => Association, Record,
        cause_en: "The Salesforce lead is converted and can no longer be updated.",
        cause_zh: "该 Salesforce 线索已转换，无法再更新。",
        fix_en: "Nothing to do: updates now follow the converted opportunity bound to this lead.",
        fix_zh: "无需处理：后续更新会同步到与该线索绑定的商机。";
    AllocationSpent => Quota, Park,
        cause_en: "Today's Salesforce API allocation for this app is spent.",
        cause_zh: "本应用今日的 Salesforce API 额度已用完。",
        fix_en: "Nothing is lost: changes are cached and finish after the daily reset. Raise the allocation to finish sooner.",
        fix_zh: "数据不会丢失：变更已缓存，将在每日额度重置后完成。如需更快完成，请提高额度。";
    OrgLimitExceeded => Quota, Park,
        cause_en: "The Salesforce org's daily API limit is exceeded (REQUEST_LIMIT_EXCEEDED).",
        cause_zh: "Salesforce 组织的每日 API 调用上限已用尽（REQUEST_LIMIT_EXCEEDED）。",
        fix_en: "Changes are cached and resume when the org's rolling 24-hour usage drops; consider buying more API calls.",
        fix_zh: "变更已缓存，将在组织 24 小时用量回落后继续；可考虑购买更多 API 调用次数。";
    JingThrottled => Transient, Retry,
        cause_en: "JING throttled the connector (call frequency limit).",
        cause_zh: "JING 接口调用频率超限。",
        fix_en: "Nothing to do: the connector slows down and retries. Lower the configured JING rate if it persists.",
        fix_zh: "无需处理：连接器会降速重试。若持续出现，请调低 JING 调用速率配置。";
    NeedsReauthorization => Auth, Reauthorize,
        cause_en: "The Salesforce authorization was revoked or expired ({detail}).",
        cause_zh: "Salesforce 授权已被撤销或过期（{detail}）。",
        fix_en: "Re-authorize the app with a Salesforce user that has API access; queued changes resume afterwards.",
        fix_zh: "使用有 API 权限的 Salesforce 用户重新授权；排队中的变更会在授权后继续。";
    JingAuthFailed => Auth, Reauthorize,
        cause_en: "JING refused the app's credentials ({detail}).",
        cause_zh: "JING 拒绝了应用凭证（{detail}）。",
        fix_en: "Check the JING app id and app secret in the connector settings.",
        fix_zh: "检查连接器设置中的 JING app id 和 app secret。";
    OrgChanged => Safety, Reauthorize,
        cause_en: "The Salesforce org id changed from {detail} (sandbox refresh or a different org).",
        cause_zh: "Salesforce 组织 ID 发生变化：{detail}（沙盒刷新或不同的组织）。",
        fix_en: "Sync is paused so nothing is written to the wrong org. Switch the environment explicitly and re-authorize.",
        fix_zh: "同步已暂停，避免写入错误的组织。请明确切换环境并重新授权。";
    OrgMismatch => Safety, Reauthorize,
        cause_en: "This app belongs to Salesforce org {detail}; an authorization for another org was refused.",
        cause_zh: "该应用绑定的 Salesforce 组织是 {detail}；其他组织的授权已被拒绝。",
        fix_en: "Authorize with a user of the app's own org. To sync another org (or a refreshed sandbox), install a new app for it.",
        fix_zh: "请使用该应用所属组织的用户授权。如需同步其他组织（或已刷新的沙盒），请为其新建一个应用。";
    CircuitOpen => Safety, Park,
        cause_en: "Recent changes would, {detail} of the bound {object} records; the direction is paused and the changes are held.",
        cause_zh: "近期变更将影响已绑定 {object} 记录（{detail}），该方向已暂停，变更已暂存。",
        fix_en: "Check the held changes; if intended, resume the direction in the status page, otherwise discard them.",
        fix_zh: "请检查暂存的变更；如确属预期，请在状态页恢复该方向的同步，否则丢弃这些变更。";
    RemoteUnavailable => Transient, Retry,
        cause_en: "The remote system is temporarily unavailable ({detail}).",
        cause_zh: "远端系统暂时不可用（{detail}）。",
        fix_en: "Nothing to do: the connector retries with backoff.",
        fix_zh: "无需处理：连接器会自动退避重试。";
    RecordLocked => Transient, Retry,
        cause_en: "Salesforce could not lock the record (UNABLE_TO_LOCK_ROW).",
        cause_zh: "Salesforce 无法锁定该记录（UNABLE_TO_LOCK_ROW）。",
        fix_en: "Nothing to do: the connector retries with jittered backoff.",
        fix_zh: "无需处理：连接器会随机退避后重试。";
    RecordBusy => Transient, Retry,
        cause_en: "Another writer was working on this record at the same moment.",
        cause_zh: "另一个写入进程正在处理该记录。",
        fix_en: "Nothing to do: it is applied after the other writer finishes.",
        fix_zh: "无需处理：待另一进程完成后会自动写入。";
    CreatePending => Transient, Retry,
        cause_en: "An edit of {object} arrived before the record itself was synced: it carries only the changed fields, and {field} is required to create it.",
        cause_zh: "{object} 的修改先于记录本身到达：它只带有改动的字段，而新建时必须有 {field}。",
        fix_en: "Nothing to do: it is applied once the record's creation has synced; the safety net lists the whole record in any case.",
        fix_zh: "无需处理：记录的新建同步后会自动写入；安全网也会读取整条记录。";
    OutOfTime => Transient, Retry,
        cause_en: "The writer stopped before this change to finish within its time limit.",
        cause_zh: "写入器为在时限内结束，未处理此变更。",
        fix_en: "Nothing to do: it is delivered again within seconds.",
        fix_zh: "无需处理：该变更会在数秒内重新投递。";
}

/// A failure of one record (or one call), ready for the error list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncError {
    pub code: ErrorCode,
    /// The field involved, when there is one (API name on the side that refused it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The object involved (`Lead`, `lead`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Short detail substituted into the texts (limits, values, remote codes). Never tokens.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl SyncError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            field: None,
            object: None,
            detail: String::new(),
        }
    }
    pub fn field(mut self, f: impl Into<String>) -> Self {
        self.field = Some(f.into());
        self
    }
    pub fn object(mut self, o: impl Into<String>) -> Self {
        self.object = Some(o.into());
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
    pub fn category(&self) -> Category {
        self.code.entry().category
    }
    pub fn next_step(&self) -> NextStep {
        self.code.entry().next
    }
    pub fn cause(&self, lang: Lang) -> String {
        let e = self.code.entry();
        self.render(if lang == Lang::Zh {
            e.cause_zh
        } else {
            e.cause_en
        })
    }
    pub fn fix(&self, lang: Lang) -> String {
        let e = self.code.entry();
        self.render(if lang == Lang::Zh { e.fix_zh } else { e.fix_en })
    }
    fn render(&self, template: &str) -> String {
        template
            .replace("{field}", self.field.as_deref().unwrap_or("?"))
            .replace("{object}", self.object.as_deref().unwrap_or("?"))
            .replace("{detail}", &self.detail)
    }
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.cause(Lang::En))
    }
}

impl std::error::Error for SyncError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_both_languages_and_a_fix() {
        for code in ErrorCode::ALL {
            let e = code.entry();
            for text in [e.cause_en, e.cause_zh, e.fix_en, e.fix_zh] {
                assert!(text.len() > 10, "{code:?} has a short text: {text}");
            }
            assert!(
                e.cause_zh.chars().any(|c| c > '\u{2E80}'),
                "{code:?} zh has no CJK"
            );
        }
    }

    #[test]
    fn every_category_has_at_least_one_code() {
        for cat in Category::ALL {
            assert!(
                ErrorCode::ALL.iter().any(|c| c.entry().category == cat),
                "{cat:?}"
            );
        }
    }

    #[test]
    fn texts_are_rendered_with_field_and_detail() {
        let e = SyncError::new(ErrorCode::ValueTooLong)
            .field("LastName")
            .detail("max length=80");
        assert_eq!(e.category(), Category::Value);
        assert_eq!(e.next_step(), NextStep::Record);
        assert_eq!(
            e.cause(Lang::En),
            "The value of LastName is too long (max length=80)."
        );
        assert!(e.cause(Lang::Zh).contains("LastName"));
        assert!(!e.fix(Lang::En).contains('{'));
    }

    #[test]
    fn codes_serialize_as_screaming_snake() {
        let s = serde_json::to_string(&ErrorCode::AllocationSpent).unwrap();
        assert_eq!(s, "\"ALLOCATION_SPENT\"");
    }
}
