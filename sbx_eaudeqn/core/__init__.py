"""The pure-JAX core: masks and pruning, schedules, selection and the population of K members.

Nothing here imports SB3 or SBX: these are functions over parameter trees and stacked populations,
traced inside the algorithms' compiled steps.
"""
