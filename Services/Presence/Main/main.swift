import PresenceApp
import ServiceKit

await ServiceMain.run(name: "presence") { (configuration: PresenceConfiguration) in
    try await buildApplication(configuration: configuration)
}
