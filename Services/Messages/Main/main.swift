import MessagesApp
import ServiceKit

await ServiceMain.run(name: "messages") { values in
    try await buildApplication(configuration: MessagesConfiguration(values))
}
