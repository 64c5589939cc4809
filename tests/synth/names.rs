//! Word lists for realistic but fake people and companies. Emails use reserved domains
//! (`example.com`, `example.org`, `example.net`, `acme.test`) and phones the fictional
//! 555-01xx range, so nothing here belongs to anyone.

pub const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Caleb",
    "Grace", "Henry", "Chloe", "Owen", "Nora", "Samuel", "Lily", "Daniel", "Hannah", "Jack",
    "Layla", "Leo", "Zoe", "Ryan", "Stella", "Nathan", "Maya", "Isaac", "Ruby", "Adrian",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
];

pub const COMPANIES: &[&str] = &[
    "Brightline Dental",
    "Summit Roofing Co.",
    "Harbor View Realty",
    "Northwind Fitness",
    "Blue Cedar Landscaping",
    "Keystone Legal Group",
    "Maple Street Bakery",
    "Vertex Solar",
    "Ironwood Auto Repair",
    "Clearwater Med Spa",
    "Pinecrest Insurance",
    "Silverline Plumbing",
];

/// (city, state, postal code) triples.
pub const CITIES: &[(&str, &str, &str)] = &[
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97205"),
    ("Raleigh", "NC", "27601"),
    ("Phoenix", "AZ", "85004"),
    ("Columbus", "OH", "43215"),
    ("Tampa", "FL", "33602"),
    ("Madison", "WI", "53703"),
];

pub const STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Pine Rd",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "Lakeview Blvd",
    "Hillcrest Way",
];

pub const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "acme.test"];

pub const TAGS: &[&str] = &[
    "customer",
    "lead",
    "vip",
    "newsletter",
    "webinar-2024",
    "partner",
    "trade-show",
    "cold",
    "warm",
    "hot",
    "referral",
    "facebook-ads",
];

pub const LEAD_SOURCES: &[&str] = &[
    "Website",
    "Facebook Ads",
    "Google Ads",
    "Referral",
    "Trade Show",
    "Cold Call",
];

pub const TIMEZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
];

/// Area codes for generated US phone numbers (`+1 AAA 555 01xx`).
pub const AREA_CODES: &[&str] = &["512", "303", "503", "919", "602", "614", "813", "608"];

pub const DEAL_WORDS: &[&str] = &[
    "Website Redesign",
    "SEO Retainer",
    "Annual Plan",
    "Onboarding Package",
    "Ads Management",
    "Consulting Block",
    "Starter Bundle",
    "Enterprise Upgrade",
];
