// `JSONObject` is an `OrderedDictionary`; every module that uses ServestackCore uses its members.
@_exported public import OrderedCollections
