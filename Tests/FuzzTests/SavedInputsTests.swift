import Foundation
import FuzzTargets
import Testing

/// Every saved input — the seed corpus and each finding the fuzzers ever made — runs
/// through its target on every `./scripts/test`, so a fixed crash stays fixed even where
/// libFuzzer is not built.
@Suite struct SavedInputsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Tools/Fuzz").standardized

    static func inputs(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let directory = Self.root.appendingPathComponent("\(folder)/\(target.rawValue)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedCorpusRuns(_ target: FuzzTarget) throws {
        let inputs = Self.inputs("Corpus", target)
        #expect(inputs.count >= 3, "each target has a seed corpus")
        for input in inputs { target.run(Array(try Data(contentsOf: input))) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func findingsStayFixed(_ target: FuzzTarget) throws {
        for input in Self.inputs("Findings", target) { target.run(Array(try Data(contentsOf: input))) }
    }
}
