import Hummingbird; import PostgresNIO
