//! In-memory fakes of every port (in progress).
