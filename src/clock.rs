//! Time comes from a clock that tests can fix.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(move || at))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }

    /// Today's date in France (the date users mean).
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&chrono_tz::Europe::Paris).date_naive()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}
