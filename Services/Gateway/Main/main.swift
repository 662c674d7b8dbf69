import GatewayApp
import ServiceKit

await ServiceMain.run(name: "gateway") { (configuration: GatewayConfiguration) in
    try await buildApplication(configuration: configuration)
}
