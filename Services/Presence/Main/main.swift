import PresenceApp
import ServiceKit

await ServiceMain.run(name: "presence") { values in
    try await buildApplication(configuration: PresenceConfiguration(values))
}
