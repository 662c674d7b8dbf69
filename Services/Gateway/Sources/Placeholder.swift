import Hummingbird; import HummingbirdWebSocket; import AsyncHTTPClient
