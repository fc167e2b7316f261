//! The modelled objects and their fields (lengths and flags from the field reference, §12).

use super::{Field, Kind, Object};

const fn f(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field::new(name, label, kind)
}

/// Audit fields every object carries.
pub static SYSTEM_FIELDS: &[Field] = &[
    f("Id", "Record ID", Kind::Id)
        .required()
        .read_only()
        .defaulted(),
    f("IsDeleted", "Deleted", Kind::Boolean).read_only(),
    f("CreatedDate", "Created Date", Kind::DateTime)
        .required()
        .read_only()
        .defaulted(),
    f("CreatedById", "Created By ID", Kind::Reference)
        .required()
        .read_only()
        .defaulted()
        .refers(&["User"], "CreatedBy"),
    f("LastModifiedDate", "Last Modified Date", Kind::DateTime)
        .required()
        .read_only()
        .defaulted(),
    f("LastModifiedById", "Last Modified By ID", Kind::Reference)
        .required()
        .read_only()
        .defaulted()
        .refers(&["User"], "LastModifiedBy"),
    f("SystemModstamp", "System Modstamp", Kind::DateTime)
        .required()
        .read_only()
        .defaulted(),
];

const LEAD_STATUS: &[&str] = &[
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
];
const LEAD_SOURCE: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];
const INDUSTRY: &[&str] = &[
    "Agriculture",
    "Banking",
    "Chemicals",
    "Communications",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Technology",
    "Other",
];
const RATING: &[&str] = &["Hot", "Warm", "Cold"];
const SALUTATION: &[&str] = &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."];
const REGION: &[&str] = &["East China", "North China", "South China", "Overseas"];
const COUNTRY: &[&str] = &["China", "Japan", "United States"];
const PROVINCE: &[&str] = &[
    "Shanghai",
    "Guangdong",
    "Zhejiang",
    "Tokyo",
    "Osaka",
    "California",
];
const PROVINCE_VALID_FOR: &[(&str, &[&str])] = &[
    ("Shanghai", &["China"]),
    ("Guangdong", &["China"]),
    ("Zhejiang", &["China"]),
    ("Tokyo", &["Japan"]),
    ("Osaka", &["Japan"]),
    ("California", &["United States"]),
];
pub const STAGES: &[&str] = &[
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

const OWNER: Field = f("OwnerId", "Owner ID", Kind::Reference)
    .required()
    .defaulted()
    .refers(&["Group", "User"], "Owner");

static LEAD_FIELDS: &[Field] = &[
    f("LastName", "Last Name", Kind::Text).len(80).required(),
    f("FirstName", "First Name", Kind::Text).len(40),
    f("Salutation", "Salutation", Kind::Picklist)
        .len(40)
        .picklist(SALUTATION, false),
    f("MiddleName", "Middle Name", Kind::Text).len(40),
    f("Name", "Full Name", Kind::Text).len(121).read_only(),
    f("Title", "Title", Kind::Text).len(128),
    f("Company", "Company", Kind::Text).len(255).required(),
    f("Street", "Street", Kind::TextArea).len(255),
    f("City", "City", Kind::Text).len(40),
    f("State", "State/Province", Kind::Text).len(80),
    f("PostalCode", "Zip/Postal Code", Kind::Text).len(20),
    f("Country", "Country", Kind::Text).len(80),
    f("Phone", "Phone", Kind::Phone),
    f("MobilePhone", "Mobile Phone", Kind::Phone),
    f("Fax", "Fax", Kind::Phone),
    f("Email", "Email", Kind::Email).len(80),
    f("Website", "Website", Kind::Url),
    f("Description", "Description", Kind::TextArea).len(32000),
    f("LeadSource", "Lead Source", Kind::Picklist)
        .len(40)
        .picklist(LEAD_SOURCE, false),
    f("Status", "Lead Status", Kind::Picklist)
        .len(40)
        .required()
        .picklist(LEAD_STATUS, true)
        .default_value("Open - Not Contacted"),
    f("Industry", "Industry", Kind::Picklist)
        .len(40)
        .picklist(INDUSTRY, false),
    f("Rating", "Rating", Kind::Picklist)
        .len(40)
        .picklist(RATING, false),
    f("AnnualRevenue", "Annual Revenue", Kind::Currency),
    f("NumberOfEmployees", "Employees", Kind::Int).len(8),
    OWNER,
    f("HasOptedOutOfEmail", "Email Opt Out", Kind::Boolean),
    f("IsConverted", "Converted", Kind::Boolean)
        .read_only()
        .defaulted(),
    f("ConvertedDate", "Converted Date", Kind::Date).read_only(),
    f(
        "ConvertedAccountId",
        "Converted Account ID",
        Kind::Reference,
    )
    .read_only()
    .refers(&["Account"], "ConvertedAccount"),
    f(
        "ConvertedContactId",
        "Converted Contact ID",
        Kind::Reference,
    )
    .read_only()
    .refers(&["Contact"], "ConvertedContact"),
    f(
        "ConvertedOpportunityId",
        "Converted Opportunity ID",
        Kind::Reference,
    )
    .read_only()
    .refers(&["Opportunity"], "ConvertedOpportunity"),
    f("MasterRecordId", "Master Record ID", Kind::Reference)
        .read_only()
        .refers(&["Lead"], "MasterRecord"),
    f("EmailBouncedReason", "Email Bounced Reason", Kind::Text).len(255),
    f("EmailBouncedDate", "Email Bounced Date", Kind::DateTime),
    f("Jing_Id__c", "JING Id", Kind::Text)
        .len(64)
        .custom()
        .external_id(false),
    f("Notes__c", "Notes", Kind::TextArea).len(32000).custom(),
    f("Region__c", "Region", Kind::Picklist)
        .custom()
        .picklist(REGION, true),
    f("Country__c", "Country (picklist)", Kind::Picklist)
        .custom()
        .picklist(COUNTRY, true),
    f("Province__c", "Province", Kind::Picklist)
        .custom()
        .picklist(PROVINCE, true)
        .depends_on("Country__c", PROVINCE_VALID_FOR),
];

static ACCOUNT_FIELDS: &[Field] = &[
    f("Name", "Account Name", Kind::Text).len(255).required(),
    f("Type", "Account Type", Kind::Picklist)
        .len(40)
        .picklist(&["Prospect", "Customer", "Partner", "Other"], false),
    f("Phone", "Account Phone", Kind::Phone),
    f("Fax", "Account Fax", Kind::Phone),
    f("Website", "Website", Kind::Url),
    f("Industry", "Industry", Kind::Picklist)
        .len(40)
        .picklist(INDUSTRY, false),
    f("AnnualRevenue", "Annual Revenue", Kind::Currency),
    f("NumberOfEmployees", "Employees", Kind::Int).len(8),
    f("Description", "Account Description", Kind::TextArea).len(32000),
    f("BillingStreet", "Billing Street", Kind::TextArea).len(255),
    f("BillingCity", "Billing City", Kind::Text).len(40),
    f("BillingState", "Billing State/Province", Kind::Text).len(80),
    f("BillingPostalCode", "Billing Zip/Postal Code", Kind::Text).len(20),
    f("BillingCountry", "Billing Country", Kind::Text).len(80),
    f("ShippingCity", "Shipping City", Kind::Text).len(40),
    f("ShippingCountry", "Shipping Country", Kind::Text).len(80),
    OWNER.refers(&["User"], "Owner"),
    f("Jing_Id__c", "JING Id", Kind::Text)
        .len(64)
        .custom()
        .external_id(true),
];

static CONTACT_FIELDS: &[Field] = &[
    f("LastName", "Last Name", Kind::Text).len(80).required(),
    f("FirstName", "First Name", Kind::Text).len(40),
    f("Salutation", "Salutation", Kind::Picklist)
        .len(40)
        .picklist(SALUTATION, false),
    f("Name", "Full Name", Kind::Text).len(121).read_only(),
    f("AccountId", "Account ID", Kind::Reference).refers(&["Account"], "Account"),
    f("Title", "Title", Kind::Text).len(128),
    f("Email", "Email", Kind::Email).len(80),
    f("Phone", "Business Phone", Kind::Phone),
    f("MobilePhone", "Mobile Phone", Kind::Phone),
    f("LeadSource", "Lead Source", Kind::Picklist)
        .len(40)
        .picklist(LEAD_SOURCE, false),
    f("HasOptedOutOfEmail", "Email Opt Out", Kind::Boolean),
    f("Description", "Contact Description", Kind::TextArea).len(32000),
    OWNER.refers(&["User"], "Owner"),
];

static OPPORTUNITY_FIELDS: &[Field] = &[
    f("Name", "Name", Kind::Text).len(120).required(),
    f("AccountId", "Account ID", Kind::Reference).refers(&["Account"], "Account"),
    f("StageName", "Stage", Kind::Picklist)
        .len(40)
        .required()
        .picklist(STAGES, true),
    f("Amount", "Amount", Kind::Currency),
    f("Probability", "Probability (%)", Kind::Percent).defaulted(),
    f("CloseDate", "Close Date", Kind::Date).required(),
    f("Type", "Opportunity Type", Kind::Picklist)
        .len(40)
        .picklist(&["New Customer", "Existing Customer - Upgrade"], false),
    f("LeadSource", "Lead Source", Kind::Picklist)
        .len(40)
        .picklist(LEAD_SOURCE, false),
    f("IsClosed", "Closed", Kind::Boolean)
        .read_only()
        .defaulted(),
    f("IsWon", "Won", Kind::Boolean).read_only().defaulted(),
    f("ForecastCategoryName", "Forecast Category", Kind::Picklist)
        .len(40)
        .defaulted()
        .picklist(
            &["Omitted", "Pipeline", "Best Case", "Commit", "Closed"],
            false,
        ),
    f("Description", "Description", Kind::TextArea).len(32000),
    OWNER.refers(&["User"], "Owner"),
];

static USER_FIELDS: &[Field] = &[
    f("Username", "Username", Kind::Text).len(80).required(),
    f("LastName", "Last Name", Kind::Text).len(80).required(),
    f("FirstName", "First Name", Kind::Text).len(40),
    f("Name", "Full Name", Kind::Text).len(121).read_only(),
    f("Alias", "Alias", Kind::Text).len(8).required(),
    f("Email", "Email", Kind::Email).len(128).required(),
    f("MobilePhone", "Cell", Kind::Phone),
    f("Phone", "Phone", Kind::Phone),
    f("Title", "Title", Kind::Text).len(80),
    f("IsActive", "Active", Kind::Boolean),
    f("CommunityNickname", "Nickname", Kind::Text).len(40),
    f("FederationIdentifier", "SAML Federation ID", Kind::Text).len(512),
    f("TimeZoneSidKey", "Time Zone", Kind::Picklist)
        .len(40)
        .required()
        .picklist(
            &["Asia/Shanghai", "America/Los_Angeles", "Europe/Paris"],
            true,
        ),
    f("LocaleSidKey", "Locale", Kind::Picklist)
        .len(40)
        .required()
        .picklist(&["zh_CN", "en_US"], true),
    f("EmailEncodingKey", "Email Encoding", Kind::Picklist)
        .len(40)
        .required()
        .picklist(&["UTF-8"], true),
    f("LanguageLocaleKey", "Language", Kind::Picklist)
        .len(40)
        .required()
        .picklist(&["zh_CN", "en_US"], true),
    f("UserType", "User Type", Kind::Picklist)
        .len(40)
        .read_only()
        .picklist(&["Standard", "AutomatedProcess"], false),
];

static GROUP_FIELDS: &[Field] = &[
    f("Name", "Name", Kind::Text).len(40).required(),
    f("DeveloperName", "Developer Name", Kind::Text).len(80),
    f("Type", "Type", Kind::Picklist)
        .len(40)
        .required()
        .picklist(&["Queue", "Regular"], true),
    f("Email", "Email", Kind::Email).len(255),
];

pub static OBJECTS: &[&Object] = &[
    &Object {
        name: "Lead",
        label: "Lead",
        plural: "Leads",
        prefix: "00Q",
        fields: LEAD_FIELDS,
        writable: true,
        describable: true,
    },
    &Object {
        name: "Account",
        label: "Account",
        plural: "Accounts",
        prefix: "001",
        fields: ACCOUNT_FIELDS,
        writable: true,
        describable: true,
    },
    &Object {
        name: "Contact",
        label: "Contact",
        plural: "Contacts",
        prefix: "003",
        fields: CONTACT_FIELDS,
        writable: true,
        describable: true,
    },
    &Object {
        name: "Opportunity",
        label: "Opportunity",
        plural: "Opportunities",
        prefix: "006",
        fields: OPPORTUNITY_FIELDS,
        writable: true,
        describable: true,
    },
    &Object {
        name: "User",
        label: "User",
        plural: "Users",
        prefix: "005",
        fields: USER_FIELDS,
        writable: false,
        describable: true,
    },
    &Object {
        name: "Group",
        label: "Group",
        plural: "Groups",
        prefix: "00G",
        fields: GROUP_FIELDS,
        writable: false,
        describable: false,
    },
];

/// Stage → (probability, closed, won), as the standard OpportunityStage table.
pub fn stage_facts(stage: &str) -> (f64, bool, bool) {
    match stage {
        "Prospecting" | "Qualification" => (10.0, false, false),
        "Needs Analysis" => (20.0, false, false),
        "Value Proposition" => (50.0, false, false),
        "Id. Decision Makers" => (60.0, false, false),
        "Perception Analysis" => (70.0, false, false),
        "Proposal/Price Quote" => (75.0, false, false),
        "Negotiation/Review" => (90.0, false, false),
        "Closed Won" => (100.0, true, true),
        _ => (0.0, true, false),
    }
}
