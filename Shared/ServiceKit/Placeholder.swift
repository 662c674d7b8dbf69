import Hummingbird; import JWTKit; import HummingbirdBcrypt; import Prometheus; import Configuration; import HTTPTypes
