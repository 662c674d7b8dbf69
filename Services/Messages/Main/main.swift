import Foundation
import MessagesApp
import ServiceKit

// `messages set-role EMAIL ROLE` is an operator's command; anything else runs the service.
if let status = await MessagesAdmin.run(CommandLine.arguments) {
    exit(status)
}

await ServiceMain.run(name: "messages") { (configuration: MessagesConfiguration) in
    try await buildApplication(configuration: configuration)
}
