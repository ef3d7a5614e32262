using System;
using System.Collections.Generic;

namespace NormGen;

/// <summary>
/// Thrown when stored tensors do not fit the layers they are loaded into: a missing key, a wrong shape or element
/// type, a negative batch count, or (strict loads) a key the layers do not have. Nothing was changed when it is
/// thrown. <see cref="Problems"/> lists every problem found, each naming the layer, the key, the expected and the
/// actual value.
/// </summary>
public sealed class StateMismatchException : Exception
{
    /// <summary>Creates the exception from the list of problems.</summary>
    /// <param name="target">What was being loaded, e.g. a layer's name.</param>
    /// <param name="problems">One line per problem; at least one.</param>
    public StateMismatchException(string target, IReadOnlyList<string> problems)
        : base(Compose(target, problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, one per line of the message.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Compose(string target, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        string count = problems.Count == 1 ? "1 problem" : problems.Count + " problems";
        return $"Cannot load state into {target} ({count}; nothing was changed):" + Environment.NewLine + "  " +
            string.Join(Environment.NewLine + "  ", problems);
    }
}
