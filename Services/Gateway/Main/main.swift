import GatewayApp
import ServiceKit

await ServiceMain.run(name: "gateway") { values in
    try await buildApplication(configuration: GatewayConfiguration(values))
}
