using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Alerts.ServiceDefaults;

/// <summary>
/// Fails for every key in a settings section that no property of <typeparamref name="TOptions"/> reads, so a misspelt
/// environment variable (<c>Smtp__Hots</c>) stops the service instead of leaving a default silently in place.
/// It walks the section against the type itself rather than reading the binder's error text, which may change.
/// </summary>
public sealed class UnknownSettingsValidator<TOptions>(IConfigurationSection section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var unknown = UnknownSettings.Find(section, typeof(TOptions)).ToList();
        return unknown.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unknown);
    }
}

public static class UnknownSettings
{
    /// <returns>One message for each key under <paramref name="section"/> that <paramref name="type"/> has no setting for.</returns>
    public static IEnumerable<string> Find(IConfigurationSection section, Type type)
    {
        if (IsValue(type))
        {
            yield break;
        }

        var elementType = ElementType(type);
        foreach (var child in section.GetChildren())
        {
            var childType = elementType ?? type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
            if (childType is null)
            {
                yield return $"no setting {child.Path} ({section.Path} has {string.Join(", ", Settings(type))})";
                continue;
            }

            foreach (var unknown in Find(child, childType))
            {
                yield return unknown;
            }
        }
    }

    /// <summary>What the binder converts from a single string: numbers, text, enums, time spans, addresses.</summary>
    static bool IsValue(Type type) =>
        type == typeof(string) || TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string));

    /// <summary>The value type of a dictionary or the item type of a list, whose keys are names or indexes, not settings.</summary>
    static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[^1]
        : null;

    static IEnumerable<string> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite).Select(property => property.Name);
}
