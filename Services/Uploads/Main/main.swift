import ServiceKit
import UploadsApp

await ServiceMain.run(name: "uploads") { (configuration: UploadsConfiguration) in
    try await buildApplication(configuration: configuration)
}
