import ServiceKit
import UploadsApp

await ServiceMain.run(name: "uploads") { values in
    try await buildApplication(configuration: UploadsConfiguration(values))
}
